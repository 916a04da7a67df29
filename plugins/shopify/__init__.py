"""Shopify as a room's commerce backend: the Admin GraphQL client (graphql.py, queries.py), the
``shopify`` adapter (adapter.py), what LiveDesk keeps per shop on disk (state.py), webhook HMAC
verification for a later relay (webhook.py) and a local stand-in of the Admin API (standin/)."""
