"""The storefront and the seller portal: server-rendered pages (Jinja2) over the same services as the API."""
