"""A local stand-in of Shopify's Admin GraphQL API (server.py), for the tests and for trying
the ``shopify`` adapter without a store: ``python -m plugins.shopify.standin``."""
