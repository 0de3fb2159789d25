"""Every write on the catalog; callers import from here (`catalog.services`).

Lifecycle of specifications, offerings and price lists: draft -> published -> retired
(see `catalog.services.versioning`); published items are immutable except display fields.
"""

from catalog.services.offerings import (
    OFFERING_EDITABLE_FIELDS,
    category_create,
    offering_create,
    offering_new_version,
    offering_publish,
    offering_relationship_add,
    offering_relationship_cycle_check,
    offering_relationship_remove,
    offering_retire,
    offering_update,
)
from catalog.services.pricing import (
    PRICE_LIST_EDITABLE_FIELDS,
    price_adjustment_create,
    price_list_create,
    price_list_line_add,
    price_list_line_remove,
    price_list_new_version,
    price_list_publish,
    price_list_retire,
    price_list_update,
    pricing_matrix_create,
)
from catalog.services.specifications import (
    SPECIFICATION_EDITABLE_FIELDS,
    attribute_mapping_rule_add,
    characteristic_spec_add,
    compatibility_rule_add,
    specification_create,
    specification_new_version,
    specification_publish,
    specification_relationship_add,
    specification_relationship_cycle_check,
    specification_relationship_remove,
    specification_retire,
    specification_update,
)

__all__ = [
    "category_create",
    "OFFERING_EDITABLE_FIELDS",
    "PRICE_LIST_EDITABLE_FIELDS",
    "SPECIFICATION_EDITABLE_FIELDS",
    "attribute_mapping_rule_add",
    "characteristic_spec_add",
    "compatibility_rule_add",
    "offering_create",
    "offering_new_version",
    "offering_publish",
    "offering_relationship_add",
    "offering_relationship_cycle_check",
    "offering_relationship_remove",
    "offering_retire",
    "offering_update",
    "price_list_create",
    "price_list_line_add",
    "price_adjustment_create",
    "price_list_line_remove",
    "pricing_matrix_create",
    "price_list_new_version",
    "price_list_publish",
    "price_list_retire",
    "price_list_update",
    "specification_create",
    "specification_new_version",
    "specification_publish",
    "specification_relationship_add",
    "specification_relationship_cycle_check",
    "specification_relationship_remove",
    "specification_retire",
    "specification_update",
]
