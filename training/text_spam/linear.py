"""Candidate model families. Every one reduces to p(spam) = sigmoid(w . x + b) over the hashed
features, so they all export to the same ONNX graph and are compared on validation only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from sklearn.svm import LinearSVC

SEED = 42


@dataclass
class Linear:
    family: str
    params: dict
    w: np.ndarray  # float64 [buckets]
    b: float

    def logits(self, X: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.w).ravel() + self.b

    def proba(self, X: sparse.csr_matrix) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logits(X)))


def logistic(X, y, C: float) -> Linear:
    m = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=SEED).fit(X, y)
    return Linear("logistic_regression", {"C": C}, m.coef_.ravel().astype(np.float64), float(m.intercept_[0]))


def svm_sigmoid(X, y, C: float) -> Linear:
    """Linear SVM with Platt scaling fitted on 5-fold out-of-fold margins (ensemble=False keeps
    one SVM, so the calibrated score stays sigmoid(a * margin + c))."""
    svc = LinearSVC(C=C, random_state=SEED, max_iter=10000)
    cal = CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False).fit(X, y)
    inner = cal.calibrated_classifiers_[0]
    est, sig = inner.estimator, inner.calibrators[0]
    # sklearn's sigmoid calibrator predicts 1 / (1 + exp(a * f + b)).
    a, c = float(sig.a_), float(sig.b_)
    w = -a * est.coef_.ravel().astype(np.float64)
    b = -(a * float(est.intercept_[0]) + c)
    return Linear("linear_svm_platt", {"C": C}, w, b)


def nbsvm(X, y, C: float, alpha: float = 1.0) -> Linear:
    """NB-SVM (Wang & Manning 2012) with logistic loss: features scaled by the NB log-count ratio."""
    Xb = X.copy()
    Xb.data[:] = 1.0
    p = alpha + np.asarray(Xb[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(Xb[y == 0].sum(axis=0)).ravel()
    r = np.log(p / p.sum()) - np.log(q / q.sum())
    m = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=SEED)
    m.fit(X @ sparse.diags(r), y)
    return Linear("nbsvm", {"C": C, "alpha": alpha}, m.coef_.ravel() * r, float(m.intercept_[0]))


def naive_bayes(X, y, alpha: float) -> Linear:
    m = MultinomialNB(alpha=alpha).fit(X, y)
    w = m.feature_log_prob_[1] - m.feature_log_prob_[0]
    b = float(m.class_log_prior_[1] - m.class_log_prior_[0])
    return Linear("multinomial_nb", {"alpha": alpha}, w.astype(np.float64), b)


def candidates():
    for C in (10.0, 100.0, 1000.0):
        yield "logistic_regression", {"C": C}, lambda X, y, C=C: logistic(X, y, C)
    for C in (0.5, 2.0, 8.0):
        yield "linear_svm_platt", {"C": C}, lambda X, y, C=C: svm_sigmoid(X, y, C)
    for C in (10.0, 100.0, 1000.0):
        yield "nbsvm", {"C": C}, lambda X, y, C=C: nbsvm(X, y, C)
    for a in (0.01, 0.1):
        yield "multinomial_nb", {"alpha": a}, lambda X, y, a=a: naive_bayes(X, y, a)
