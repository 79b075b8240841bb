"""URDecoder under realistic scanning: any order, loss, repeats, foreign frames, a switched QR."""

import random

import pytest

from decoders.errors import URError
from decoders.ur import bytewords
from decoders.ur.fountain import MAX_SEQ_LEN, FountainDecoder, FountainEncoder, FountainPart
from decoders.ur.ur import UR, URDecoder, UREncoder, encode_part

from .helpers import make_message_ur


def _stream(ur: UR, fragment_len: int, count: int, first: int = 0) -> list[str]:
    encoder = UREncoder(ur, fragment_len, first_seq_num=first)
    return [encoder.next_part() for _ in range(count)]


@pytest.mark.parametrize("seed", range(5))
def test_random_order_loss_and_duplicates(seed):
    rng = random.Random(seed)
    ur = make_message_ur(3000, seed=f"robust-{seed}")
    frames = _stream(ur, 150, 400)
    decoder = URDecoder()
    received = 0
    for text in frames:
        if rng.random() < 0.2:  # 20% of frames lost
            continue
        for _ in range(rng.choice((1, 1, 2))):  # some frames read twice
            decoder.receive(text.lower() if rng.random() < 0.5 else text)
            received += 1
        if decoder.is_complete:
            break
    assert decoder.is_complete
    assert decoder.result == ur
    assert decoder.counters.duplicates > 0


def test_shuffled_parts_including_mixed_only():
    ur = make_message_ur(2000, seed="mixed")
    frames = _stream(ur, 100, 200, first=500)  # every part is a mixed part
    random.Random(7).shuffle(frames)
    decoder = URDecoder()
    for text in frames:
        decoder.receive(text)
        if decoder.is_complete:
            break
    assert decoder.result == ur


def test_progress_reports():
    ur = make_message_ur(1000, seed="progress")
    frames = _stream(ur, 100, 11)
    decoder = URDecoder()
    assert decoder.progress.fragments_total == 0 and decoder.progress.percent == 0
    decoder.receive(frames[0])
    progress = decoder.progress
    assert progress.fragments_total == 11  # 1000 bytes + 3-byte CBOR head -> 11 fragments of 92
    assert progress.parts_seen == 1
    assert progress.estimated_remaining == 10
    assert progress.percent == pytest.approx(100 / 11)
    with pytest.raises(URError, match="10 more part"):
        _ = decoder.result  # the property raises


def test_foreign_parts_are_counted_and_do_not_corrupt():
    ur = make_message_ur(1500, seed="ours")
    other = make_message_ur(1500, seed="theirs")
    ours = _stream(ur, 100, 60)
    theirs = _stream(other, 100, 60)
    decoder = URDecoder(restart_after=5)
    results = []
    for i, text in enumerate(ours):
        results.append(decoder.receive(text))
        if i % 3 == 0:  # a stray frame of another QR, never enough in a row to restart
            result = decoder.receive(theirs[i])
            assert result.status == "rejected" and result.different_message
        if decoder.is_complete:
            break
    assert decoder.result == ur
    assert decoder.counters.foreign >= 5
    assert decoder.rejected_count == decoder.counters.foreign


def test_different_type_is_foreign():
    decoder = URDecoder()
    decoder.receive(_stream(make_message_ur(500), 50, 1)[0])
    other = UR("eth-signature", make_message_ur(500).cbor)
    result = decoder.receive(_stream(other, 50, 1)[0])
    assert result.status == "rejected"
    assert "eth-signature, not bytes" in result.message


def test_restart_when_the_shown_transaction_changes():
    first = make_message_ur(1500, seed="first")
    second = make_message_ur(1500, seed="second")
    decoder = URDecoder(restart_after=3)
    for text in _stream(first, 100, 5):
        decoder.receive(text)
    statuses = [decoder.receive(text).status for text in _stream(second, 100, 3)]
    assert statuses == ["rejected", "rejected", "restarted"]
    assert decoder.counters.restarts == 1
    for text in _stream(second, 100, 40, first=3):
        decoder.receive(text)
        if decoder.is_complete:
            break
    assert decoder.result == second


def test_malformed_text_is_rejected_with_reason():
    decoder = URDecoder()
    for text in ("hello", "ur:bytes/zz", "UR:BYTES/1-2/AEAE", "ur:Bad_Type/aeae"):
        result = decoder.receive(text)
        assert result.status == "rejected" and result.message
    assert decoder.counters.malformed == 4


def test_forged_part_with_consistent_header_is_caught_by_checksum():
    encoder = FountainEncoder(make_message_ur(300, seed="forged").cbor, 40)
    parts = [encoder.next_part() for _ in range(encoder.seq_len)]
    bad = parts[3]
    parts[3] = FountainPart(bad.seq_num, bad.seq_len, bad.message_len, bad.checksum, bytes(len(bad.data)))
    decoder = URDecoder()
    statuses = [decoder.receive(encode_part("bytes", p)).status for p in parts]
    assert statuses[-1] == "restarted"
    assert not decoder.is_complete


def test_billion_fragment_part_refused_quickly():
    cbor = bytes.fromhex("85011a3b9aca001a3b9aca001a1234567841") + b"\x00"
    text = f"ur:bytes/1-1000000000/{bytewords.encode(cbor)}"
    decoder = URDecoder()
    result = decoder.receive(text)
    assert result.status == "rejected"
    assert f"outside 1..{MAX_SEQ_LEN}" in result.message
    with pytest.raises(URError):
        FountainDecoder().receive(FountainPart(1, 10**9, 10**9, 1, b"\x00"))


def test_complete_decoder_reports_duplicates_and_rejects_others():
    ur = make_message_ur(100)
    decoder = URDecoder()
    for text in _stream(ur, 30, 10):
        decoder.receive(text)
    assert decoder.is_complete
    assert decoder.receive(_stream(ur, 30, 1)[0]).status == "duplicate"
    other = decoder.receive(_stream(make_message_ur(100, seed="x"), 30, 1)[0])
    assert other.status == "rejected" and "reset()" in other.message
    decoder.reset()
    assert not decoder.is_complete
