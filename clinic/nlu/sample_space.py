"""Fitting an L2-regularised logistic regression in the space of its training rows (pure).

The intent classifier's training matrix is wider than it is tall (3,538 messages by 14,601
features: the count vectors' vocabulary beside the sentence vectors), and scikit-learn's
L-BFGS solver multiplies it with the coefficients twice per step. With an L2 penalty the
coefficients that minimise the loss lie in the span of the training rows (every gradient
does: it is a weighted sum of rows plus the coefficients themselves), so the same problem
can be solved on an n x n matrix ``Z`` with ``X = Z Q^T`` (``Q`` with orthonormal columns):

* ``K = X X^T = Z Z^T``; ``Z`` is K's Cholesky factor, or ``U sqrt(lambda)`` from its
  eigen-decomposition when K is (nearly) singular, e.g. two messages with the same features;
* the penalty ``||W||^2`` equals ``||W_z||^2`` for ``W = W_z Q^T``, the loss sees the same
  scores ``X W^T = Z W_z^T``, and the intercept is not penalised, so the optimum is the same
  model; L-BFGS's steps do not depend on an orthonormal change of basis either;
* ``W = W_z Q^T = W_z Z^+ X``: the fitted coefficients mapped back to the features.

Only the solver's stopping test (the largest gradient component) reads coordinates, so it
stops at a slightly different point: on this project's data a lower objective than the fit
on ``X`` (49.809 vs 49.814), probabilities within 0.0005, the same intent for every training
message, in about 25 s instead of 63 s (docs/benchmarks.md, "What was cut").
"""

from __future__ import annotations

from typing import Any, Callable, Sequence, Tuple

import numpy as np
import scipy.linalg
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

# K's Cholesky factor is used when its smallest pivot (squared) is at least this share of
# K's largest diagonal entry; otherwise the eigen-decomposition, which drops the directions
# with eigenvalues below the same share of the largest.
RELATIVE_FLOOR = 1e-10


class ColumnBlocks:
    """A matrix given as column blocks side by side (SciPy sparse matrices and NumPy
    arrays with the same rows, float64), never built as one dense array: what the fit in
    sample space needs from ``X`` is ``X X^T`` and ``A X``, both computed block by block.

    On the intent classifier's matrix (3,569 x 14,755: 12,716 count columns, 2,039 vector
    columns) ``X X^T`` takes 0.5 s instead of 2.4 s for the dense product (equal within
    1e-12), and the 420 MB dense copy of the matrix is not made.
    """

    def __init__(self, blocks: Sequence[Any]) -> None:
        if not blocks:
            raise ValueError("no blocks")
        if len({b.shape[0] for b in blocks}) != 1:
            raise ValueError("the blocks must have the same rows")
        self.blocks = list(blocks)
        self.shape = (blocks[0].shape[0], sum(b.shape[1] for b in blocks))

    def gram(self) -> np.ndarray:
        """``X X^T``: the sparse columns' product (one sparse product) plus the dense
        columns' (one BLAS product)."""
        sparse = [b for b in self.blocks if scipy.sparse.issparse(b)]
        dense = [np.asarray(b, dtype=np.float64) for b in self.blocks
                 if not scipy.sparse.issparse(b)]
        total = np.zeros((self.shape[0], self.shape[0]))
        if dense:
            columns = np.hstack(dense)
            total += columns @ columns.T
        if sparse:
            columns = scipy.sparse.hstack(sparse, format="csr")
            total += (columns @ columns.T).toarray()
        return total

    def left_multiply(self, a: np.ndarray) -> np.ndarray:
        """``a X`` (``a`` with one column per row of X), in X's column order."""
        parts = [np.asarray((b.T @ a.T).T) if scipy.sparse.issparse(b) else a @ b
                 for b in self.blocks]
        return np.hstack(parts)

    def toarray(self) -> np.ndarray:
        """The matrix as one dense array."""
        return np.hstack([b.toarray() if scipy.sparse.issparse(b) else np.asarray(b)
                          for b in self.blocks])

    def tocsr(self) -> scipy.sparse.csr_matrix:
        """The matrix as one CSR matrix."""
        return scipy.sparse.hstack(self.blocks, format="csr")


def row_space_basis(X: Any) -> Tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """``Z`` (n x r, r <= n) with ``Z Z^T = X X^T`` (the training rows' coordinates in an
    orthonormal basis of their span), and the map ``A -> A Z^+`` for r-column ``A``.
    ``X``: a NumPy array or :class:`ColumnBlocks`."""
    gram = X.gram() if isinstance(X, ColumnBlocks) else X @ X.T
    scale = float(np.max(np.diag(gram), initial=0.0))  # all-zero rows: no direction kept
    try:
        factor = np.linalg.cholesky(gram)
        if float(np.min(np.diag(factor))) ** 2 >= RELATIVE_FLOOR * scale:
            # A L^-1 = (L^-T A^T)^T
            return factor, lambda a: scipy.linalg.solve_triangular(
                factor, a.T, trans="T", lower=True, check_finite=False).T
    except np.linalg.LinAlgError:
        pass
    values, vectors = scipy.linalg.eigh(gram, driver="evr", check_finite=False)
    keep = values > RELATIVE_FLOOR * scale
    roots, kept = np.sqrt(values[keep]), vectors[:, keep]
    return kept * roots, lambda a: (a / roots) @ kept.T


def worth_it(X: Any) -> bool:
    """True for a dense matrix (an array or :class:`ColumnBlocks`) with more columns than
    rows, where the fit in sample space multiplies smaller matrices."""
    dense = isinstance(X, ColumnBlocks) or (isinstance(X, np.ndarray) and X.ndim == 2)
    return dense and X.shape[1] > X.shape[0] > 0


def fit_in_sample_space(clf: LogisticRegression, X: Any,
                        y: Sequence[Any]) -> LogisticRegression:
    """``clf`` fitted to ``(X, y)`` through the rows' span; returns the fitted classifier,
    which predicts on rows of X's width like one fitted on X directly.

    ``X``: a NumPy array, :class:`ColumnBlocks` or a SciPy sparse matrix. ``clf`` must use
    an L2 penalty (or none); anything else is fitted on ``X`` as usual.
    """
    def plain() -> Any:
        return X.toarray() if isinstance(X, ColumnBlocks) else X

    if clf.get_params().get("penalty", "l2") not in ("l2", "none", None) or not worth_it(X):
        return clf.fit(plain(), y)
    basis, through_basis = row_space_basis(X)
    if basis.shape[1] == 0:
        return clf.fit(plain(), y)
    fitted = clone(clf).fit(basis, y)
    a = through_basis(fitted.coef_)  # W = W_z Z^+ X
    fitted.coef_ = X.left_multiply(a) if isinstance(X, ColumnBlocks) else a @ X
    fitted.n_features_in_ = X.shape[1]
    return fitted
