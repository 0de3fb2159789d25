"""Import of orders from CSV and JSON files (command `import_orders`, workspace upload).

`parsing` reads a file into raw orders and lines that remember their row, `values` types
characteristic values as the catalog defines them, `validation` resolves accounts,
offerings and inventory items for the whole file in a bounded number of queries and checks
every row, and `service.orders_import` captures each valid order in its own transaction
through `orders.services.order_capture`, returning an `ImportReport` (file, row, field and
message per problem; created or rejected per order). The formats are described in
`formats.FORMAT_HELP`.
"""
