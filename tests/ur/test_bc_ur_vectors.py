"""Blockchain Commons bc-ur reference vectors, reproduced byte for byte.

Source: BlockchainCommons/bc-ur test/test.cpp at commit 4479fb81b2350ae8bafa042a5572b9c64c2c32ca,
transcribed into bc_ur_vectors.json (plus the few literals inlined below, same file).
"""

import pytest

from decoders.errors import URError
from decoders.ur import bytewords
from decoders.ur.bytewords import Style
from decoders.ur.fountain import (
    FountainDecoder,
    FountainEncoder,
    FountainPart,
    RandomSampler,
    choose_degree,
    choose_fragments,
    find_nominal_fragment_length,
    join_fragments,
    partition_message,
    shuffled,
    xor_bytes,
)
from decoders.ur.ur import URDecoder, UREncoder, decode_single, encode_single
from decoders.ur.xoshiro import Xoshiro256

from .helpers import VECTORS, make_message, make_message_ur


def test_crc32():
    assert bytewords.crc32_bytes(b"Hello, world!").hex() == "ebe6c6e6"
    assert bytewords.crc32_bytes(b"Wolf").hex() == "598c84dc"


def test_bytewords_short_all_styles():
    data = bytes([0, 1, 2, 128, 255])
    assert bytewords.encode(data, Style.STANDARD) == "able acid also lava zoom jade need echo taxi"
    assert bytewords.encode(data, Style.URI) == "able-acid-also-lava-zoom-jade-need-echo-taxi"
    assert bytewords.encode(data, Style.MINIMAL) == "aeadaolazmjendeoti"
    assert bytewords.decode("able acid also lava zoom jade need echo taxi", Style.STANDARD) == data
    assert bytewords.decode("able-acid-also-lava-zoom-jade-need-echo-taxi", Style.URI) == data
    assert bytewords.decode("aeadaolazmjendeoti") == data
    assert bytewords.decode("AEADAOLAZMJENDEOTI") == data  # QR alphanumeric is upper case


@pytest.mark.parametrize(
    "text, style",
    [
        ("able acid also lava zero jade need echo wolf", Style.STANDARD),
        ("able-acid-also-lava-zero-jade-need-echo-wolf", Style.URI),
        ("aeadaolazojendeowf", Style.MINIMAL),
        ("wolf", Style.STANDARD),
        ("", Style.STANDARD),
    ],
)
def test_bytewords_rejects_bad_checksum_and_short(text, style):
    with pytest.raises(URError):
        bytewords.decode(text, style)


def test_bytewords_100_bytes():
    vector = VECTORS["bytewords_100"]
    data = bytes.fromhex(vector["input_hex"])
    assert bytewords.encode(data, Style.STANDARD) == vector["standard"]
    assert bytewords.encode(data, Style.MINIMAL) == vector["minimal"]
    assert bytewords.decode(vector["standard"], Style.STANDARD) == data
    assert bytewords.decode(vector["minimal"]) == data


def test_rng_from_string_seed():
    rng = Xoshiro256("Wolf")
    assert [rng.next() % 100 for _ in range(100)] == VECTORS["rng_1"]


def test_rng_from_checksum_seed():
    rng = Xoshiro256.from_uint32(bytewords.crc32(b"Wolf"))
    assert [rng.next() % 100 for _ in range(100)] == VECTORS["rng_2"]


def test_rng_next_int():
    rng = Xoshiro256("Wolf")
    assert [rng.next_int(1, 10) for _ in range(100)] == VECTORS["rng_3"]


def test_find_nominal_fragment_length():
    assert find_nominal_fragment_length(12345, 1005, 1955) == 1764
    assert find_nominal_fragment_length(12345, 1005, 30000) == 12345


def test_random_sampler():
    sampler = RandomSampler([1, 2, 4, 8])
    rng = Xoshiro256("Wolf")
    assert [sampler.next(rng.next_double) for _ in range(500)] == VECTORS["random_sampler"]


def test_shuffle():
    rng = Xoshiro256("Wolf")
    assert [shuffled(list(range(1, 11)), rng) for _ in range(10)] == VECTORS["shuffle"]


def _fragments_1024():
    message = make_message(1024)
    fragment_len = find_nominal_fragment_length(len(message), 10, 100)
    return message, partition_message(message, fragment_len)


def test_partition_and_join():
    message, fragments = _fragments_1024()
    assert [f.hex() for f in fragments] == VECTORS["partition_1024"]
    assert join_fragments(fragments, len(message)) == message


def test_choose_degree():
    _, fragments = _fragments_1024()
    degrees = [choose_degree(len(fragments), Xoshiro256(f"Wolf-{nonce}")) for nonce in range(1, 201)]
    assert degrees == VECTORS["choose_degree"]


def test_choose_fragments():
    message, fragments = _fragments_1024()
    checksum = bytewords.crc32(message)
    chosen = [sorted(choose_fragments(seq_num, len(fragments), checksum)) for seq_num in range(1, 31)]
    assert chosen == VECTORS["choose_fragments"]


def test_xor():
    rng = Xoshiro256("Wolf")
    data1 = rng.next_data(10)
    data2 = rng.next_data(10)
    assert data1.hex() == "916ec65cf77cadf55cd7"
    assert data2.hex() == "f9cda1a1030026ddd42e"
    data3 = xor_bytes(data1, data2)
    assert data3.hex() == "68a367fdf47c8b2888f9"
    assert xor_bytes(data3, data1) == data2


def test_fountain_encoder_parts_and_cbor():
    encoder = FountainEncoder(make_message(256), 30)
    parts = [encoder.next_part() for _ in range(20)]
    assert [p.describe() for p in parts] == VECTORS["fountain_encoder_parts"]
    assert [p.to_cbor().hex() for p in parts] == VECTORS["fountain_encoder_cbor"]


def test_fountain_encoder_is_complete_after_seq_len_parts():
    encoder = FountainEncoder(make_message(256), 30)
    count = 0
    while not encoder.is_complete:
        encoder.next_part()
        count += 1
    assert count == encoder.seq_len == 9


def test_fountain_decoder_large_message():
    message = make_message(32767)
    encoder = FountainEncoder(message, 1000, first_seq_num=100)  # starts with mixed parts only
    decoder = FountainDecoder()
    while not decoder.is_complete:
        decoder.receive(encoder.next_part())
    assert decoder.message == message


def test_fountain_part_cbor_round_trip():
    part = FountainPart(12, 8, 100, 0x12345678, bytes([1, 5, 3, 3, 5]))
    # 8 fragments of 5 bytes cannot hold 100 bytes: our decoder refuses the header, as it should
    with pytest.raises(URError):
        FountainPart.from_cbor(part.to_cbor())
    consistent = FountainPart(12, 20, 100, 0x12345678, bytes([1, 5, 3, 3, 5]))
    assert FountainPart.from_cbor(consistent.to_cbor()) == consistent


def test_single_part_ur():
    ur = make_message_ur(50)
    assert encode_single(ur, uppercase=False) == VECTORS["single_part_ur_50"]
    assert encode_single(ur) == VECTORS["single_part_ur_50"].upper()
    assert decode_single(VECTORS["single_part_ur_50"]) == ur


def test_ur_encoder_parts():
    encoder = UREncoder(make_message_ur(256), 30, uppercase=False)
    assert [encoder.next_part() for _ in range(20)] == VECTORS["ur_encoder_256_30"]
    assert encoder.min_parts == 9


def test_ur_encoder_uppercase_default():
    encoder = UREncoder(make_message_ur(256), 30)
    assert encoder.next_part() == VECTORS["ur_encoder_256_30"][0].upper()


def test_ur_decoder_on_reference_parts_any_order():
    decoder = URDecoder()
    for text in reversed(VECTORS["ur_encoder_256_30"]):
        decoder.receive(text)
    assert decoder.is_complete
    assert decoder.result == make_message_ur(256)


def test_multipart_ur_large():
    ur = make_message_ur(32767)
    encoder = UREncoder(ur, 1000, first_seq_num=100)
    decoder = URDecoder()
    while not decoder.is_complete:
        decoder.receive(encoder.next_part())
    assert decoder.result == ur
