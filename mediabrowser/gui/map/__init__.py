"""The Map page: the library laid out by similarity (core/maps), drawn from a density raster
when zoomed out and as points and thumbnails when zoomed in."""
