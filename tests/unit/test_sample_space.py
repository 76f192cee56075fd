"""The logistic regression fitted in the span of its training rows is the same model."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from clinic.nlu.sample_space import fit_in_sample_space, row_space_basis, worth_it


def _classifier(**overrides: object) -> LogisticRegression:
    params = dict(C=3.0, max_iter=5000, tol=1e-10, random_state=0, class_weight="balanced")
    params.update(overrides)
    return LogisticRegression(**params)


def _wide_problem(rows: int = 60, columns: int = 400, seed: int = 1):
    """Three classes, mostly zero count-like columns plus a few dense ones."""
    rng = np.random.default_rng(seed)
    y = np.array(["greet", "ask_nmt", "bye"] * (rows // 3))
    X = (rng.random((rows, columns)) < 0.05) * rng.integers(1, 3, (rows, columns))
    X = X.astype(float)
    X[:, :12] = rng.normal(size=(rows, 12)) + (y == "ask_nmt")[:, None] * 1.5
    return X, y


def test_the_fit_through_the_rows_gives_the_directly_fitted_model() -> None:
    X, y = _wide_problem()
    direct = _classifier().fit(X, y)
    through = fit_in_sample_space(_classifier(), X, y)
    assert through.coef_.shape == direct.coef_.shape == (3, X.shape[1])
    assert through.n_features_in_ == X.shape[1]
    assert list(through.classes_) == list(direct.classes_)
    np.testing.assert_allclose(through.coef_, direct.coef_, atol=1e-5)
    np.testing.assert_allclose(through.intercept_, direct.intercept_, atol=1e-5)
    new = _wide_problem(seed=7)[0]  # rows never trained on
    np.testing.assert_allclose(through.predict_proba(new), direct.predict_proba(new), atol=1e-6)


def test_rows_with_the_same_features_use_the_eigen_decomposition_and_still_agree() -> None:
    X, y = _wide_problem()
    X[1] = X[0]  # a singular Gram matrix: Cholesky has no usable factor
    y[1] = y[0]
    basis, through = row_space_basis(X)
    assert basis.shape[1] < X.shape[0]
    np.testing.assert_allclose(basis @ basis.T, X @ X.T, atol=1e-8)
    a = np.arange(2.0 * basis.shape[1]).reshape(2, -1)
    np.testing.assert_allclose(through(a) @ basis, a, atol=1e-8)  # A Z^+ Z = A
    direct = _classifier().fit(X, y)
    fitted = fit_in_sample_space(_classifier(), X, y)
    np.testing.assert_allclose(fitted.predict_proba(X), direct.predict_proba(X), atol=1e-6)


def test_a_full_rank_gram_matrix_takes_the_cholesky_factor() -> None:
    X, _ = _wide_problem()
    basis, through = row_space_basis(X)
    assert basis.shape == (X.shape[0], X.shape[0])
    assert np.allclose(np.triu(basis, 1), 0.0)  # lower triangular: Cholesky
    a = np.ones((3, X.shape[0]))
    np.testing.assert_allclose(through(a) @ basis, a, atol=1e-8)


def test_tall_sparse_or_l1_problems_are_fitted_as_usual() -> None:
    import scipy.sparse

    X, y = _wide_problem(rows=90, columns=20)
    assert not worth_it(X)
    assert not worth_it(scipy.sparse.csr_matrix(_wide_problem()[0]))
    np.testing.assert_array_equal(fit_in_sample_space(_classifier(), X, y).coef_,
                                  _classifier().fit(X, y).coef_)
    wide, labels = _wide_problem()
    l1 = _classifier(penalty="l1", solver="liblinear", class_weight=None, tol=1e-6)
    np.testing.assert_array_equal(fit_in_sample_space(l1, wide, labels).coef_,
                                  _classifier(penalty="l1", solver="liblinear",
                                              class_weight=None, tol=1e-6).fit(wide, labels).coef_)


@pytest.mark.parametrize("shape", [(0, 5), (4, 0)])
def test_empty_matrices_are_not_worth_the_detour(shape) -> None:
    assert not worth_it(np.zeros(shape))


def test_all_zero_rows_fall_back_to_the_plain_fit() -> None:
    X = np.zeros((6, 10))
    y = np.array(["a", "b"] * 3)
    fitted = fit_in_sample_space(_classifier(), X, y)
    assert fitted.coef_.shape == (1, 10)
    assert np.allclose(fitted.coef_, 0.0)


def test_a_matrix_of_column_blocks_is_fitted_as_the_whole_array() -> None:
    import scipy.sparse

    from clinic.nlu.sample_space import ColumnBlocks

    X, y = _wide_problem()
    # vectors dense, counts sparse, in an order that interleaves the kinds
    blocks = [scipy.sparse.csr_matrix(X[:, 12:200]), X[:, :12], scipy.sparse.csr_matrix(X[:, 200:])]
    whole = np.hstack([X[:, 12:200], X[:, :12], X[:, 200:]])
    matrix = ColumnBlocks(blocks)
    assert matrix.shape == whole.shape and worth_it(matrix)
    np.testing.assert_array_equal(matrix.toarray(), whole)
    np.testing.assert_array_equal(matrix.tocsr().toarray(), whole)
    np.testing.assert_allclose(matrix.gram(), whole @ whole.T, rtol=1e-12, atol=1e-12)
    a = np.arange(3.0 * X.shape[0]).reshape(3, -1)
    np.testing.assert_allclose(matrix.left_multiply(a), a @ whole, rtol=1e-12)
    with pytest.raises(ValueError):
        ColumnBlocks([])
    with pytest.raises(ValueError):
        ColumnBlocks([X, X[:5]])
    through_blocks = fit_in_sample_space(_classifier(), matrix, y)
    through_array = fit_in_sample_space(_classifier(), whole, y)
    assert through_blocks.coef_.shape == through_array.coef_.shape == (3, whole.shape[1])
    np.testing.assert_allclose(through_blocks.predict_proba(whole),
                               through_array.predict_proba(whole), atol=1e-8)
    l1 = _classifier(penalty="l1", solver="liblinear", class_weight=None, tol=1e-6)
    assert fit_in_sample_space(l1, matrix, y).coef_.shape == (3, whole.shape[1])
