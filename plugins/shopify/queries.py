"""The GraphQL documents LiveDesk sends to Shopify's Admin API (version
:data:`plugins.shopify.graphql.API_VERSION`), one named operation each.

The operation names are part of the contract with the stand-in (plugins/shopify/standin), which
dispatches on them; the documents themselves are the Admin API's own fields as shopify.dev
documents them for 2025-01.
"""

from __future__ import annotations

#: access scopes the adapter needs (named to the operator when the app lacks them)
SCOPES = (
    "read_products",
    "write_products",
    "read_inventory",
    "write_inventory",
    "read_orders",
    "write_discounts",
)

SHOP = """
query LivedeskShop {
  shop { name currencyCode myshopifyDomain }
  productsCount { count }
  locations(first: 1) { nodes { id name } }
  currentAppInstallation { accessScopes { handle } }
}
"""

PRODUCTS = """
query LivedeskProducts($first: Int!, $after: String, $location: ID!, $query: String) {
  products(first: $first, after: $after, sortKey: ID, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title status updatedAt
      featuredImage { url }
      variants(first: 20) {
        nodes {
          id title price compareAtPrice inventoryQuantity
          inventoryItem { id inventoryLevel(locationId: $location) {
            quantities(names: ["available"]) { name quantity } } }
        }
      }
    }
  }
}
"""

#: the whole catalogue as one bulk operation (no ``first``: a bulk query has no page size; no
#: variables either, so the location is written into it: :func:`bulk_products`)
_BULK_PRODUCTS = """
{
  products(sortKey: ID) {
    edges { node {
      id title status updatedAt
      featuredImage { url }
      variants { edges { node {
        id title price compareAtPrice inventoryQuantity
        inventoryItem { id inventoryLevel(locationId: "%(location)s") {
          quantities(names: ["available"]) { name quantity } } }
      } } }
    } }
  }
}
"""


def bulk_products(location: str) -> str:
    """The bulk query of the catalogue with its variants' stock at ``location`` (a gid)."""
    return _BULK_PRODUCTS % {"location": location.replace('"', "")}


BULK_RUN = """
mutation LivedeskBulkRun($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}
"""

BULK_STATUS = """
query LivedeskBulkStatus {
  currentBulkOperation(type: QUERY) {
    id status errorCode createdAt objectCount rootObjectCount url partialDataUrl
  }
}
"""

#: what changed in the orders since the cursor, and nothing more (2 points an order): a poll's
#: first step; only orders LiveDesk has not seen are then read whole (:data:`ORDER_DETAILS`)
ORDER_UPDATES = """
query LivedeskOrderUpdates($first: Int!, $query: String!, $after: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id updatedAt displayFinancialStatus }
  }
}
"""

#: an order whole: the buyer and the lines the feed and the metrics show (both queries below)
_ORDER_FIELDS = """
      id name createdAt updatedAt displayFinancialStatus
      customer { id displayName }
      lineItems(first: 10) {
        nodes {
          id title quantity
          product { id }
          variant { id title }
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          discountedTotalSet { shopMoney { amount currencyCode } }
        }
      }
"""

#: new orders whole, by id
ORDER_DETAILS = """
query LivedeskOrderDetails($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on Order {
@ORDER_FIELDS@    }
  }
}
""".replace("@ORDER_FIELDS@", _ORDER_FIELDS.lstrip("\n"))

#: orders whole, page by page: the poll after one that found mostly new orders (a backlog)
ORDERS = """
query LivedeskOrders($first: Int!, $query: String!, $after: String) {
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
@ORDER_FIELDS@    }
  }
}
""".replace("@ORDER_FIELDS@", _ORDER_FIELDS.lstrip("\n"))

VARIANT_PRICE = """
mutation LivedeskVariantPrice($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message }
  }
}
"""

SET_QUANTITIES = """
mutation LivedeskSetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}
"""

DISCOUNT_CREATE = """
mutation LivedeskDiscountCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode {
      id
      codeDiscount { ... on DiscountCodeBasic {
        title status startsAt endsAt usageLimit asyncUsageCount
        codes(first: 1) { nodes { code } } } }
    }
    userErrors { code field message }
  }
}
"""

DISCOUNT_DEACTIVATE = """
mutation LivedeskDiscountDeactivate($id: ID!) {
  discountCodeDeactivate(id: $id) {
    codeDiscountNode { id codeDiscount { ... on DiscountCodeBasic { status asyncUsageCount } } }
    userErrors { code field message }
  }
}
"""
