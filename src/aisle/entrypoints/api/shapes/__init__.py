"""The HTTP shapes of the answers.

Each module holds an answer's pydantic response models (what OpenAPI shows: the routes declare them as
``response_model``) and the presenter that shapes a service's typed result into that answer. Presenters build the
JSON-ready dict directly, serialized once by orjson (``json_response``): validating a search answer's hundreds of
fields on every request would cost more than the search. The models are held to the answers by the tests instead:
the API test client validates every answer of a route against its ``response_model`` (``extra="forbid"``: a field
the model does not name fails), and ``tests/api/test_openapi_client.py`` reads answers through a generated client.

The web storefront renders the same dicts, so both show a product alike."""
