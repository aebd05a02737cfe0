"""Image validation and rendering with Pillow."""
