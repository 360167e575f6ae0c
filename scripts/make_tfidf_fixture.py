#!/usr/bin/python3
"""Makes tests/fixtures/amazon_electronic_tfidf_top5.csv: for every titled item of the
Amazon electronic data (items in increasing original id), its 5 nearest items by cosine of
scikit-learn TF-IDF vectors (TfidfVectorizer(stop_words='english'), other defaults), ties
broken by the lower original id. Run with Debian's python3-sklearn:
    /usr/bin/python3 scripts/make_tfidf_fixture.py [DATA_DIR]
"""
import csv
import os
import sys

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BUNDLERL_DATA", "../shared/data")
rows = list(csv.reader(open(os.path.join(data, "bundles/amazon/electronic/item_titles.csv"))))[1:]
rows.sort(key=lambda r: int(r[0]))
ids = [int(r[0]) for r in rows]
X = TfidfVectorizer(stop_words="english").fit_transform([r[1] for r in rows])
S = (X @ X.T).toarray()
out = "tests/fixtures/amazon_electronic_tfidf_top5.csv"
with open(out, "w") as f:
    f.write("# sklearn %s TfidfVectorizer(stop_words='english'); cosine; top 5, ties by id\n" % sklearn.__version__)
    f.write("item_id,rank,neighbour_id,score\n")
    for i in range(len(ids)):
        order = sorted((j for j in range(len(ids)) if j != i), key=lambda j: (-S[i, j], j))[:5]
        for rank, j in enumerate(order):
            f.write("%d,%d,%d,%.12f\n" % (ids[i], rank, ids[j], S[i, j]))
print("wrote", out, len(ids), "items,", X.shape[1], "terms")
