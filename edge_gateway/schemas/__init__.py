"""Public JSON shapes of the REST API (pydantic); independent of the protobuf messages behind them."""
