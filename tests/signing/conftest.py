"""The signing tests sign the corpus' benign payments: their payees are named in this machine's address
book, as a team names the addresses it pays (an unknown payee is a warning to acknowledge, issue 18)."""

import pytest

# The payees of tests/corpus/benign-*.json (made-up addresses) and the chains they are on.
PAYEES = [("0x11111111111111111111111111111111111111A1", "payee one"), ("0x22222222222222222222222222222222222222b2", "payee two")]


@pytest.fixture(autouse=True)
def named_payees(tmp_path, monkeypatch):
    from app.addressbook_store import import_book

    state = tmp_path / "state"  # where the modules' own autouse fixtures point COLDSIGHT_STATE_DIR
    monkeypatch.setenv("COLDSIGHT_STATE_DIR", str(state))
    book = tmp_path / "payees.csv"
    book.write_text("address,name,chainId\n" + "".join(f"{a},{n},{c}\n" for a, n in PAYEES for c in (1, 42161)))
    import_book(book, state)
    return state
