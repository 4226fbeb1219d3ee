import numpy as np

from text_spam import featurizer as fz


def test_fnv1a_reference_values():
    assert fz.fnv1a32("") == 0x811C9DC5
    assert fz.fnv1a32("a") == 0xE40C292C
    assert fz.fnv1a32("foobar") == 0xBF9CF968


def test_normalization_nfkc_lower_and_unassigned():
    assert fz.normalize("ＦＵＬＬ ﬁ İ ΟΔΟΣ") == "full fi i\u0307 οδος"
    assert fz.normalize("x\U000e0080y\ud800") == "x\ufffdy\ufffd"


def test_feature_strings_words_bigrams_urls_numbers():
    feats = fz.feature_strings("Buy 12345 at https://u:p@WWW.Shop.Example.co.uk:8080/a?b=1.")
    assert feats[:4] == ["x:url", "h:shop.example.co.uk", "d:co.uk", "t:uk"]
    assert "w:<d5>" in feats and "b:buy <d5>" in feats
    assert "x:ipurl" in fz.feature_strings("http://10.0.0.1/x")
    assert fz.feature_strings("a" * 41) == ["w:<long>"]


def test_values_are_sqrt_tf_l2_normalized_and_sorted():
    idx, val = fz.featurize("spam spam spam eggs")
    assert list(idx) == sorted(idx) and idx.dtype == np.int64 and val.dtype == np.float32
    assert abs(float(np.sum(val.astype(np.float64) ** 2)) - 1.0) < 1e-6


def test_word_cap():
    feats = fz.feature_strings(" ".join(["w"] * (fz.MAX_WORDS + 10)))
    assert feats.count("w:w") == fz.MAX_WORDS


def test_empty():
    idx, val = fz.featurize("\n\n")
    assert len(idx) == 0 and len(val) == 0
