"""Translation between protobuf messages and the API's JSON: request schemas in, JSON-ready dicts out.

Responses are built as plain dicts shaped like the schemas in `edge_gateway.schemas` (the tests
validate them against those models) because validating a model per response would cost the hot
catalogue path for nothing: the data comes from our own typed contract. One module per context.
"""
