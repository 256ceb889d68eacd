"""Exchange-agnostic core: types, errors, throttler, transport, order book, order tracking."""
