"""Small torch models with a readable history state, exact-KL training and the L²M experiment."""
