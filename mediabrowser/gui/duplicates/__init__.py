"""The Duplicates tab: groups of copies found by core/dupes, reviewed side by side, cleaned up
safely (trash or a folder, with undo)."""
