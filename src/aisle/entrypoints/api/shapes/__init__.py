"""The HTTP shapes of the answers: pydantic response models, and presenters that build them from the services'
typed results. The web storefront renders the same shapes (``as_wire``), so both show a product alike."""
