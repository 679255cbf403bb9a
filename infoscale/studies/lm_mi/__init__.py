"""The LM-MI study: the bipartite MI of real text measured with a pretrained language model.

- ``pretrained``: ``PretrainedLM``, a Hugging Face causal LM (a folder or a GGUF file, offline) as
  an ``AutoregressiveModel``; ``text_documents`` tokenizes and cuts text into documents;
- ``text``: reading text files and cutting token streams into documents;
- ``curve``: ``lm_mi_curve`` — score the documents with the direct and vCLUB estimators of
  ``infoscale.estimators.documents``, bootstrap intervals, scaling fits, the two-point MI;
- ``report``: the text report and the figure.

``infoscale lm-mi`` (``cli/lm_mi.py``) runs it; it needs the ``[lm]`` extra.
"""
