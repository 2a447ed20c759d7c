"""Who the tests call as."""

from infra.local.tokens import bearer

CUSTOMER = bearer("customer-ada")
OTHER_CUSTOMER = bearer("customer-bo")
PRODUCT_TEAM = bearer("staff-pat", "product-team")
