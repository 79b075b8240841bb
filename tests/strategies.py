"""Hypothesis strategies shared by Coldsight's tests.

Checksums come from eth-utils, not from Coldsight, so a bug in Coldsight's own EIP-55 code
cannot shape the inputs it is tested with. Add new shared strategies here; keep them pure.
"""

from eth_utils import to_checksum_address
from hypothesis import strategies as st

from decoders.safetx import KNOWN_VERSIONS, SafeTx, SafeVersion

UINT256_MAX = (1 << 256) - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

# Every version label Coldsight accepts: the releases plus the L2 builds that exist.
L2_VERSIONS = ("1.3.0+L2", "1.4.1+L2", "1.5.0+L2")
ALL_VERSION_LABELS: tuple[str, ...] = KNOWN_VERSIONS + L2_VERSIONS


def checksummed(raw: bytes) -> str:
    return to_checksum_address("0x" + raw.hex())


# Random addresses rarely hit the edge cases, so mix in zero, all-ones and precompile-like ones.
addresses = st.one_of(
    st.binary(min_size=20, max_size=20).map(checksummed),
    st.sampled_from([ZERO_ADDRESS, checksummed(b"\xff" * 20), checksummed(bytes(19) + b"\x01")]),
)

uint256 = st.one_of(
    st.integers(min_value=0, max_value=UINT256_MAX),
    st.sampled_from([0, 1, UINT256_MAX, UINT256_MAX - 1, 1 << 255]),
    st.integers(min_value=0, max_value=10**24),  # everyday wei amounts and gas numbers
)

small_calldata = st.binary(max_size=68)  # empty, a selector, or a selector and a word or two
large_calldata = st.binary(min_size=1_000, max_size=20_000)  # multiSend batches, contract creation code
calldata = st.one_of(small_calldata, small_calldata, large_calldata)

operations = st.sampled_from([0, 1])  # CALL, DELEGATECALL

version_labels = st.sampled_from(ALL_VERSION_LABELS)
versions = version_labels.map(SafeVersion.parse)

chain_ids = st.one_of(
    st.sampled_from([1, 10, 56, 100, 137, 8453, 42161, 11155111]),
    st.integers(min_value=1, max_value=UINT256_MAX),
)


@st.composite
def safe_txs(draw: st.DrawFn, data: st.SearchStrategy[bytes] = calldata) -> SafeTx:
    return SafeTx(
        to=draw(addresses),
        value=draw(uint256),
        data=draw(data),
        operation=draw(operations),
        safe_tx_gas=draw(uint256),
        base_gas=draw(uint256),
        gas_price=draw(uint256),
        gas_token=draw(addresses),
        refund_receiver=draw(addresses),
        nonce=draw(uint256),
    )
