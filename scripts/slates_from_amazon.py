#!/usr/bin/env python3
"""Converts an Amazon session-bundle domain (shared/data/bundles/amazon/<domain>, the layout of
shared/data/bundles/README.md that `bundlerl import amazon` reads) into the generic slate-log
layout (dataset/slate_log.h): a log of what shoppers chose.

  DOMAIN_DIR  e.g. bundles/amazon/food, with user_session.csv, session_item.csv,
              item_titles.csv and item_categories.csv (the other files of the domain, bundles
              and user histories, are read only for the catalog's item ids)
  OUT_DIR     where rounds.csv and items.csv are written (created if missing)

rounds.csv: one round per (session, item) pair of session_item.csv, with
  round_id "<session>:<item>", session_id, user_id, timestamp (Unix seconds), position 0,
  item_id, click 1, and no propensity (the shopper's choice was not logged by a policy).
Rows follow the sessions in time order (ties by session id), the items of a session in file
order, as the dedicated importer orders its sessions.

Only sessions with a user and a time (a row in user_session.csv) are converted: sessions that
appear in session_item.csv alone (213 in clothing, none in food or electronic) are left out,
because a round of the generic layout needs its user and time. A session's item listed twice
is kept once.

items.csv: item_id, title, category: every item the domain's files name (the dedicated
importer's catalog), in increasing id order, with its title (empty if it has none) and its
first category path as ImportAmazon parses it, "a > b > c" (empty if it has none). Note that
ImportAmazon splits a category list at every comma, so a category name that holds a comma
("Coffee, Tea & Cocoa") becomes two levels ("Coffee > Tea & Cocoa"); the same is done here so
that both imports agree.

The script prints the `bundlerl import slates` command that imports the two files.
"""
import argparse
import csv
import os
import re
import shlex
import sys

INTEGER = re.compile(r"\s*\+?\d+\Z")


class ConversionError(Exception):
    pass


def read_table(path, names):
    """The rows (with line numbers) of a CSV file whose header must be `names` (case and
    surrounding blanks ignored), as ImportAmazon requires."""
    if os.path.isdir(path):
        raise ConversionError(f"{path}: is a folder, expected a file")
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None) or []
        if [h.strip().lower() for h in header] != [n.lower() for n in names]:
            raise ConversionError(f"{path}, line 1: expected the header '{','.join(names)}', found '{','.join(header)}'")
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) != len(names):
                raise ConversionError(f"{path}, line {reader.line_num}: expected {len(names)} columns, found {len(row)}")
            rows.append((reader.line_num, row))
    return rows


def id_at(path, line, value, column):
    if not INTEGER.match(value):
        raise ConversionError(f"{path}, line {line}: column '{column}': expected an id >= 0, found '{value}'")
    return int(value)


def category_paths(text):
    """ImportAmazon's ParseCategoryList: "[[a,b,c],[d,e]]" -> ["a > b > c", "d > e"], or None
    where the text is not such a list."""
    if len(text) < 4 or text[0] != "[" or text[-1] != "]":
        return None
    inner = text[1:-1]
    paths = []
    i = 0
    while i < len(inner):
        if inner[i] == ",":
            i += 1
            continue
        if inner[i] != "[":
            return None
        close = inner.find("]", i)
        if close < 0:
            return None
        paths.append(" > ".join(name.lstrip(" ") for name in inner[i + 1:close].split(",")))
        i = close + 1
    return paths or None


def convert(domain_dir, out_dir, rounds_csv, items_csv):
    """Writes the two files; returns (rounds, sessions kept, sessions left out, items)."""
    P = lambda name: os.path.join(domain_dir, name)  # noqa: E731
    user_session = read_table(P("user_session.csv"), ["user ID", "session ID", "timestamp"])
    session_item = read_table(P("session_item.csv"), ["session ID", "item ID"])
    titles = read_table(P("item_titles.csv"), ["item ID", "titles"])
    categories = read_table(P("item_categories.csv"), ["item ID", "categories"])
    # Files read for the catalog's item ids only.
    bundle_item = read_table(P("bundle_item.csv"), ["bundle ID", "item ID"])
    user_item = read_table(P("user_item.csv"), ["user ID", "item ID", "timestamp"])

    items = set()
    title_of, category_of = {}, {}
    for table, name, column, target in ((titles, "item_titles.csv", "titles", title_of),
                                        (categories, "item_categories.csv", "categories", category_of)):
        first_line = {}
        for line, row in table:
            item = id_at(P(name), line, row[0], "item ID")
            if item in first_line:
                raise ConversionError(f"{P(name)}, line {line}: item ID {item} appears again "
                                      f"(first on line {first_line[item]})")
            first_line[item] = line
            items.add(item)
            if target is category_of:
                paths = category_paths(row[1])
                if paths is None:
                    raise ConversionError(f"{P(name)}, line {line}: column 'categories': expected a list like "
                                          f"[[a,b],[c]], found '{row[1]}'")
                target[item] = paths[0]
            else:
                target[item] = row[1]
    for line, row in bundle_item:
        items.add(id_at(P("bundle_item.csv"), line, row[1], "item ID"))
    for line, row in user_item:
        items.add(id_at(P("user_item.csv"), line, row[1], "item ID"))

    # Sessions with a user and a time; a session listed twice keeps its last row, as in ImportAmazon.
    timed = {}
    for line, row in user_session:
        session = id_at(P("user_session.csv"), line, row[1], "session ID")
        user = id_at(P("user_session.csv"), line, row[0], "user ID")
        time = id_at(P("user_session.csv"), line, row[2], "timestamp")
        timed[session] = (time, user)
    session_items = {}
    for line, row in session_item:
        session = id_at(P("session_item.csv"), line, row[0], "session ID")
        item = id_at(P("session_item.csv"), line, row[1], "item ID")
        items.add(item)
        listed = session_items.setdefault(session, [])
        if item not in listed:
            listed.append(item)
    left_out = sum(1 for s in session_items if s not in timed)

    if not any(s in timed for s in session_items):
        raise ConversionError(f"{domain_dir}: no session with a user, a time and items")
    os.makedirs(out_dir, exist_ok=True)
    rounds = kept = 0
    with open(rounds_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["round_id", "session_id", "user_id", "timestamp", "position", "item_id", "click"])
        for session in sorted(timed, key=lambda s: (timed[s][0], s)):
            if session not in session_items:
                continue
            time, user = timed[session]
            kept += 1
            for item in session_items[session]:
                w.writerow([f"{session}:{item}", session, user, time, 0, item, 1])
                rounds += 1

    with open(items_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["item_id", "title", "category"])
        for item in sorted(items):
            w.writerow([item, title_of.get(item, ""), category_of.get(item, "")])
    return rounds, kept, left_out, len(items)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("domain_dir", metavar="DOMAIN_DIR", help="an Amazon domain folder, e.g. bundles/amazon/food")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder for rounds.csv and items.csv")
    p.add_argument("--out", help="the HDF5 file named in the printed import command "
                                 "(default: OUT_DIR/<domain>.h5)")
    p.add_argument("--bundlerl", default="bundlerl", help="the executable named in the printed command")
    a = p.parse_args(argv)
    domain = os.path.basename(os.path.normpath(a.domain_dir))
    try:
        if not os.path.isdir(a.domain_dir):
            raise ConversionError(f"{a.domain_dir}: not a folder (expected bundles/amazon/<domain>)")
        rounds_csv, items_csv = os.path.join(a.out_dir, "rounds.csv"), os.path.join(a.out_dir, "items.csv")
        rounds, kept, left_out, n_items = convert(a.domain_dir, a.out_dir, rounds_csv, items_csv)
    except (ConversionError, OSError, csv.Error, UnicodeDecodeError) as e:
        print(f"slates_from_amazon: {e}", file=sys.stderr)
        return 1
    print(f"wrote {rounds_csv} ({rounds} rounds from {kept} sessions; {left_out} sessions without a user "
          f"or time left out) and {items_csv} ({n_items} items)", file=sys.stderr)
    command = [a.bundlerl, "import", "slates", "--rounds", rounds_csv, "--items", items_csv,
               "--out", a.out or os.path.join(a.out_dir, f"{domain}.h5"), "--source", f"amazon/{domain}"]
    print(" ".join(shlex.quote(str(x)) for x in command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
