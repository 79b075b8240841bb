"""The ONLINE side of the signer's loop (`coldsight-courier`, extra `online`: `pip install -e '.[online]'` in a checkout).

It talks to a Safe Transaction Service and a JSON-RPC node, proposes transactions, shows a
pending transaction as an animated eth-sign-request QR, takes the eth-signature QR back, posts it
and, once the threshold is met, builds execTransaction, sends it and reports the outcome. It may
import `decoders`, the pure QR helpers of `app.qr` and the signing helpers of `app.signing`;
nothing imports it, and it is never frozen into the air-gapped app
(tests/test_dependency_rule.py). web3 is imported lazily, inside courier.chain.
"""
