"""mediabrowser: browse a media library by similarity."""

__version__ = "0.1.0"
