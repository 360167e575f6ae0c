#!/usr/bin/env python3
"""Converts an Open Bandit Dataset campaign folder into the generic slate-log layout
(dataset/slate_log.h), so that `bundlerl import slates` builds the same logged dataset as the
dedicated `bundlerl import obd` does.

  CAMPAIGN_DIR  an OBD campaign folder, e.g. obd/random/men, holding <campaign>.csv (the log)
                and item_context.csv (the items); see shared/data/obd/README.md
  OUT_DIR       where rounds.csv and items.csv are written (created if missing)

rounds.csv: one round per OBD row (OBD keeps one shown slot per row): round_id = the row's
index (the file's unnamed first column, else the 0-based data row), position = OBD position - 1,
item_id, click, propensity = propensity_score, timestamp as given (ISO), and one context column
per user attribute: context_user_feature_<k> (categorical hashes) and
context_user-item_affinity_<i> (numbers). The context names stored after import are therefore
the dedicated importer's (user_feature_<k>, user-item_affinity_<i>).

items.csv: item_id; feature_<column> for each numeric item column (item_feature_0);
category = the item table's fourth column (item_feature_1 in the OBD files), which ImportObd
codes as the item's category; and the hashed columns (item_feature_1..3) as text columns.
As in ImportObd, a column is numeric when at least half of its values are finite numbers.

The script prints the `bundlerl import slates` command that imports the two files, with the
source (obd/<campaign>), the logging policy ImportObd infers from the parent folder (random:
uniform, bts: bts, else unknown), the slate size 3, the categorical context columns and the
item text columns.

Rounds of the generic layout are ordered by timestamp (ties in file order), the dedicated
import keeps file order: the two agree when the log is in time order, as the OBD files are.
The script warns when it is not.
"""
import argparse
import csv
import math
import os
import re
import shlex
import sys

# A number as std::from_chars reads it (the generic importer's context columns take only
# these); anything else that strtod accepts is rewritten as Python's shortest round trip.
PLAIN_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
HEX = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?\Z")
INTEGER = re.compile(r"\s*[+-]?\d+\Z")
# ParseIsoTime's shape: date, ' ' or 'T', time, and an optional 'Z' or +hh:mm / -hh:mm.
ISO_TIME = re.compile(r"\d{1,4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{1,2}:[0-9.]+(Z|[+-]\d{1,2}:\d{1,2})?\Z")


class ConversionError(Exception):
    pass


def strtod(text):
    """The finite double that C's strtod reads from the whole of `text`, else None
    (what ImportObd calls a number: leading blanks allowed, decimal or hexadecimal)."""
    s = text.lstrip(" \t\n\v\f\r")
    if not s:
        return None
    try:
        if DECIMAL.match(s):
            x = float(s)
        elif HEX.match(s):
            x = float.fromhex(s)
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def number_text(text):
    """`text` unchanged where the generic importer reads it as is, else the same value
    written plainly; None when it is not a finite number."""
    if PLAIN_NUMBER.match(text):
        x = float(text)
        return text if math.isfinite(x) else None
    x = strtod(text)
    return None if x is None else repr(x)


def logging_policy_of(campaign_dir):
    """ImportObd's inference: the parent folder 'random' -> uniform, 'bts' -> bts."""
    parent = os.path.basename(os.path.dirname(os.path.normpath(os.path.abspath(campaign_dir))))
    return {"random": "uniform", "bts": "bts"}.get(parent, "unknown")


def campaign_of(campaign_dir):
    return os.path.basename(os.path.normpath(campaign_dir))


def fail(path, line, message):
    raise ConversionError(f"{path}, line {line}: {message}")


def read_csv(path):
    """The header and the data rows (with their line numbers) of a CSV file."""
    if os.path.isdir(path):
        raise ConversionError(f"{path}: is a folder, expected a file")
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: file not found")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ConversionError(f"{path}: empty file (no header)")
        rows = []
        for row in reader:
            if row:
                rows.append((reader.line_num, row))
    return header, rows


def convert_items(item_path, out_path):
    """Writes items.csv; returns (number of items, text column names)."""
    header, rows = read_csv(item_path)
    if len(header) < 3:
        fail(item_path, 1, f"expected at least 3 columns (index, item_id, attributes), found {len(header)}")
    if header[1] != "item_id":
        fail(item_path, 1, f"expected column 'item_id' second, found '{header[1]}'")
    if not rows:
        raise ConversionError(f"{item_path}: no items")
    for k, (line, row) in enumerate(rows):
        if len(row) != len(header):
            fail(item_path, line, f"expected {len(header)} columns, found {len(row)}")
        if not INTEGER.match(row[1]) or int(row[1]) != k:
            fail(item_path, line, f"column 'item_id': expected {k} (ids dense, in order), found '{row[1]}'")
    attributes = list(range(2, len(header)))
    numeric = [2 * sum(strtod(row[c]) is not None for _, row in rows) >= len(rows) for c in attributes]
    features = [c for c, n in zip(attributes, numeric) if n]
    text = [c for c, n in zip(attributes, numeric) if not n]
    reserved = {"item_id", "category", "title", "price"}
    for c in text:
        if header[c] in reserved or header[c].startswith("feature_") or not header[c] or "," in header[c]:
            fail(item_path, 1, f"column '{header[c]}' cannot be kept as a text column of the generic layout")
    out_header = ["item_id"] + [f"feature_{header[c]}" for c in features] + ["category"] + [header[c] for c in text]
    if len(set(out_header)) != len(out_header):
        fail(item_path, 1, "two item columns would get the same name in items.csv")
    with open(out_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(out_header)
        for k, (line, row) in enumerate(rows):
            values = []
            for c in features:
                x = strtod(row[c])
                if x is None:
                    fail(item_path, line, f"column '{header[c]}': expected a finite number (the column is numeric "
                                          f"in other rows), found '{row[c]}'")
                values.append(repr(x))
            # ImportObd codes the fourth column (an empty string too) as the category; with fewer
            # columns every item is in category 0, here the one category "all".
            category = row[3] if len(header) > 3 else "all"
            if category == "":
                fail(item_path, line, f"column '{header[3]}': empty; the generic layout reads an empty category "
                                      "as unknown, where ImportObd codes it as a category of its own")
            w.writerow([str(k)] + values + [category] + [row[c] for c in text])
    return len(rows), [header[c] for c in text]


def convert_rounds(log_path, n_items, out_path):
    """Writes rounds.csv; returns (rows, categorical context columns, rows out of time order)."""
    with open(log_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ConversionError(f"{log_path}: empty file (no header)")
        if len(header) < 6:
            fail(log_path, 1, f"expected at least 6 columns, found {len(header)}")

        def col(name):
            if name not in header:
                fail(log_path, 1, f"expected a column named '{name}'")
            return header.index(name)

        c_time, c_item, c_pos, c_click, c_ps = (col(n) for n in ("timestamp", "item_id", "position", "click",
                                                                "propensity_score"))
        c_user = [c for c, h in enumerate(header) if h.startswith("user_feature_")]
        c_aff = [c for c, h in enumerate(header) if h.startswith("user-item_affinity_")]
        if c_aff and len(c_aff) != n_items:
            fail(log_path, 1, f"{len(c_aff)} user-item_affinity columns, expected one per item ({n_items})")
        index_column = header[0] == "" or header[0].startswith("Unnamed: ")
        categorical = [f"context_{header[c]}" for c in c_user]
        out_header = (["round_id", "position", "item_id", "click", "propensity", "timestamp"] + categorical +
                      [f"context_{header[c]}" for c in c_aff])
        seen_ids = set()
        rows = out_of_order = 0
        last_time = None
        with open(out_path, "w", newline="", encoding="utf-8") as out:
            w = csv.writer(out, lineterminator="\n")
            w.writerow(out_header)
            for row in reader:
                if not row:
                    continue
                line = reader.line_num
                if len(row) != len(header):
                    fail(log_path, line, f"expected {len(header)} columns, found {len(row)}")
                round_id = row[0] if index_column else str(rows)
                if round_id == "" or round_id in seen_ids:
                    fail(log_path, line, f"row index '{round_id}' is empty or repeats; it is the round's id")
                seen_ids.add(round_id)
                t = row[c_time]
                if not ISO_TIME.match(t):
                    fail(log_path, line, f"column 'timestamp': expected an ISO time like "
                                         f"2019-11-24 00:03:13+00:00, found '{t}'")
                if not INTEGER.match(row[c_item]) or not 0 <= int(row[c_item]) < n_items:
                    fail(log_path, line, f"column 'item_id': '{row[c_item]}' not in [0, {n_items})")
                if not INTEGER.match(row[c_pos]) or int(row[c_pos]) not in (1, 2, 3):
                    fail(log_path, line, f"column 'position': expected 1, 2 or 3, found '{row[c_pos]}'")
                click = number_text(row[c_click])
                if click is None or float(click) not in (0.0, 1.0):
                    fail(log_path, line, f"column 'click': expected 0 or 1, found '{row[c_click]}'")
                ps = number_text(row[c_ps])
                if ps is None or not 0.0 < float(ps) <= 1.0:
                    fail(log_path, line, f"column 'propensity_score': '{row[c_ps]}' not in (0, 1]")
                affinity = []
                for c in c_aff:
                    a = number_text(row[c])
                    if a is None or float(a) < 0:
                        fail(log_path, line, f"column '{header[c]}': expected a number >= 0, found '{row[c]}'")
                    affinity.append(a)
                w.writerow([round_id, int(row[c_pos]) - 1, int(row[c_item]), click, ps, t] +
                           [row[c] for c in c_user] + affinity)
                # Time order, roughly: ISO strings of one offset sort as their times.
                if last_time is not None and t < last_time:
                    out_of_order += 1
                last_time = t
                rows += 1
        if rows == 0:
            raise ConversionError(f"{log_path}: no data rows")
    return rows, categorical, out_of_order


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("campaign_dir", metavar="CAMPAIGN_DIR", help="OBD campaign folder, e.g. obd/random/men")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder for rounds.csv and items.csv")
    p.add_argument("--out", help="the HDF5 file named in the printed import command "
                                 "(default: OUT_DIR/<campaign>.h5)")
    p.add_argument("--bundlerl", default="bundlerl", help="the executable named in the printed command")
    a = p.parse_args(argv)
    try:
        if not os.path.isdir(a.campaign_dir):
            raise ConversionError(f"{a.campaign_dir}: not a folder (expected an OBD campaign folder)")
        campaign = campaign_of(a.campaign_dir)
        log_path = os.path.join(a.campaign_dir, f"{campaign}.csv")
        item_path = os.path.join(a.campaign_dir, "item_context.csv")
        for path in (log_path, item_path):
            if not os.path.isfile(path):
                raise ConversionError(f"{path}: file not found")
        os.makedirs(a.out_dir, exist_ok=True)
        rounds_csv, items_csv = os.path.join(a.out_dir, "rounds.csv"), os.path.join(a.out_dir, "items.csv")
        n_items, text = convert_items(item_path, items_csv)
        rows, categorical, out_of_order = convert_rounds(log_path, n_items, rounds_csv)
    except (ConversionError, OSError, csv.Error, UnicodeDecodeError) as e:
        print(f"slates_from_obd: {e}", file=sys.stderr)
        return 1
    if out_of_order:
        print(f"slates_from_obd: warning: {out_of_order} rows of {log_path} are earlier than the row before; "
              "the generic import orders rounds by time, the dedicated one keeps file order", file=sys.stderr)
    print(f"wrote {rounds_csv} ({rows} rounds) and {items_csv} ({n_items} items)", file=sys.stderr)
    command = [a.bundlerl, "import", "slates", "--rounds", rounds_csv, "--items", items_csv,
               "--out", a.out or os.path.join(a.out_dir, f"{campaign}.h5"),
               "--source", f"obd/{campaign}", "--logging-policy", logging_policy_of(a.campaign_dir),
               "--slate-size", "3"]
    if categorical:
        command += ["--categorical", ",".join(categorical)]
    if text:
        command += ["--text", ",".join(text)]
    print(" ".join(shlex.quote(str(x)) for x in command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
