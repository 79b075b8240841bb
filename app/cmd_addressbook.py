"""`coldsight addressbook import FILE | list`: the names signers see for addresses.

FILE is Safe{Wallet}'s address-book CSV (`address,name,chainId`) or its data export JSON
(version "3.0"). The book lives in the state directory and every review uses it.
"""

import sys
from pathlib import Path

from . import exitcodes


def register(subparsers) -> None:
    parser = subparsers.add_parser("addressbook", help="import or list the address book (names for addresses)")
    commands = parser.add_subparsers(dest="addressbook_command", parser_class=type(parser))
    do_import = commands.add_parser("import", help="merge a Safe{Wallet} address-book CSV or data export")
    do_import.add_argument("file", metavar="FILE", type=Path)
    do_import.add_argument("--replace", action="store_true", help="replace the whole book instead of merging")
    do_import.set_defaults(handler=run_import)
    listing = commands.add_parser("list", help="print the address book")
    listing.add_argument("--chain-id", type=int, help="only this chain")
    listing.set_defaults(handler=run_list)
    parser.set_defaults(handler=lambda args: _usage(parser))


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return exitcodes.USAGE


def run_import(args) -> int:
    from decoders.addressbook import mark_differences

    from .addressbook_store import import_book
    from .service import state_dir

    result = import_book(args.file, state_dir(), replace=args.replace)
    print(f"Imported {args.file}: {result.added} new, {result.renamed} renamed, {result.unchanged} unchanged; "
          f"{result.total} entries in {result.path}")
    for first, second in result.lookalikes:
        # One of the two may be an address-poisoning copy saved under a trusted name: say so, in full.
        print(f"WARNING: on chain {first.chain_id}, {first.name!r} {mark_differences(first.address, second.address)} "
              f"and {second.name!r} {mark_differences(second.address, first.address)} share their first 3 and last 4 "
              "hex characters: check both against your own records; every review that touches either will warn",
              file=sys.stderr)
    return exitcodes.OK


def run_list(args) -> int:
    from .addressbook_store import load_store
    from .service import state_dir

    book = load_store(state_dir())
    rows = sorted(book.entries.values(), key=lambda e: (e.chain_id, e.name.lower()))
    for entry in rows:
        if args.chain_id is None or entry.chain_id == args.chain_id:
            print(f"{entry.chain_id:>9}  {entry.address}  {entry.name}")
    if not rows:
        print("The address book is empty: coldsight addressbook import FILE", file=sys.stderr)
    return exitcodes.OK
