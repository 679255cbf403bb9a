"""The LM-MI study: the bipartite MI of real text measured with a pretrained language model.

- ``pretrained``: ``PretrainedLM``, a Hugging Face causal LM (a folder or a GGUF file, offline) as
  an ``AutoregressiveModel``; ``load_tokenizer`` (before the model), ``start_token_id`` (``--bos``),
  the config.json and GGUF checks;
- ``text``: reading text files, splitting them into the corpus's documents, cutting windows with a
  report of used and dropped tokens;
- ``records``: the per-document records (JSON Lines): score these indices and append, resume, merge;
- ``curve``: ``lm_mi_curve`` — score the documents with ``infoscale.estimators.documents`` into
  records, and ``summarize_records``: bootstrap intervals, scaling fits, the two-point MI;
- ``report``: the text report and the figure;
- ``parallel``: documents of a ``--shard``, torchrun's data-parallel ranks (rank 0 gathers) and Ray
  tasks (``score_on_ray``: the driver joins them).

``infoscale lm-mi`` (``cli/lm_mi.py``) runs it; it needs the ``[lm]`` extra.
"""
