"""KuCoin perpetual futures (connector ids ``kucoin_perpetual``, ``kucoin_perpetual_testnet``)."""
