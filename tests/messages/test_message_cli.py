"""`coldsight verify --message`: the published Safe message example and the exit status by verdict.

Expected hashes: pcaversaccio/safe-tx-hashes-util README, section "Safe Message Hashes" (Sepolia,
Safe 0x657f…A0f1, the OpenSea sign-in text): a third source next to safe-eth-py and eth-account."""

OPENSEA_TEXT = (
    "Welcome to OpenSea!\n\nClick to sign in and accept the OpenSea Terms of Service (https://opensea.io/tos) and Privacy "
    "Policy (https://opensea.io/privacy).\n\nThis request will not trigger a blockchain transaction or cost any gas fees."
    "\n\nWallet address:\n0x657ff0d4ec65d82b2bc1247b0a558bcd2f80a0f1\n\nNonce:\nea499f2f-fdbc-4d04-92c4-b60aba887e06"
)
SAFE = "0x657ff0D4eC65D82b2bC1247b0a558bcd2f80A0f1"
PUBLISHED = {"signed": "0xcb1a9208c1a7c191185938c7d304ed01db68677eea4e689d688469aa72e34236",
             "domain": "0x611379c19940caee095cdb12bebe6a9fa9abb74cdb1fbd7377c49a1f198dc24f",
             "message": "0xa5d2f507a16279357446768db4bd47a03bca0b6acac4632a4c2c96af20d6f6e5",
             "safeMessage": "0x1866b559f56261ada63528391b93a1fe8e2e33baf7cace94fc6b42202d16ea08"}


def test_published_text_message(run_cli, write_payload):
    payload = write_payload({"safe": SAFE, "chainId": 11155111, "safeVersion": "1.4.1", "message": OPENSEA_TEXT})
    result = run_cli(["verify", payload, "--message", "--format", "json"])
    document = result.json()
    assert document["message"]["signedBytes"] == PUBLISHED["signed"]
    assert document["hashes"] == {k: PUBLISHED[k] for k in ("domain", "message", "safeMessage")}
    assert (result.code, document["verdict"]) == (0, "ok")


def test_text_output_and_blocking_exit(run_cli, write_payload):
    document = {"safe": SAFE, "chainId": 11155111, "safeVersion": "1.4.1", "message": "hi", "messageHash": "0x" + "22" * 32}
    result = run_cli(["verify", write_payload(document), "--message"])
    assert result.code == 2 and result.stdout.startswith("BLOCK") and "[CLAIMED_HASH_MISMATCH]" in result.stdout


def test_not_a_message_is_a_payload_error(run_cli, write_payload):
    result = run_cli(["verify", write_payload({"to": SAFE}), "--message"])
    assert result.code == 3 and "not a Safe message" in result.stderr


def test_message_from_an_eth_sign_request(run_cli, write_payload):
    # Transport only: Coldsight's EIP-4527 encoder; the expected hash is the published one above.
    import json

    from eth_account.messages import defunct_hash_message

    from decoders.ur.eip4527 import EthDataType, EthSignRequest, KeyPath
    from decoders.ur.ur import encode_single

    signed = bytes(defunct_hash_message(text=OPENSEA_TEXT))
    typed = {"types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                       "SafeMessage": [{"name": "message", "type": "bytes"}]},
             "primaryType": "SafeMessage", "domain": {"chainId": 11155111, "verifyingContract": SAFE},
             "message": {"message": "0x" + signed.hex()}, "originalMessage": OPENSEA_TEXT}
    request = EthSignRequest(json.dumps(typed).encode(), EthDataType.TYPED_DATA, KeyPath.parse("m/44'/60'/0'/0/0"),
                             chain_id=11155111)
    text = encode_single(request.to_ur())
    result = run_cli(["verify", write_payload(text, "message.txt"), "--message", "--safe-version", "1.4.1", "--format", "json"])
    document = result.json()
    assert document["hashes"]["safeMessage"] == PUBLISHED["safeMessage"] and document["message"]["text"] == OPENSEA_TEXT
    assert result.code == 0
