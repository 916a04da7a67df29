"""The platform contract (docs/platform-api.md): typed models, the adapter interface, the API v1 client."""
