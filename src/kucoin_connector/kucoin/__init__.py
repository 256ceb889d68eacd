"""KuCoin spot: authentication, endpoints, error mapping, payload schemas and the connector."""
