"""Training-framework callbacks; each module imports its framework when it is imported.

* ``mlfootprint.integrations.lightning.MlfootprintCallback(**track_kwargs)``: PyTorch Lightning.
* ``mlfootprint.integrations.transformers.track_trainer(trainer, **track_kwargs)``: Hugging Face Trainer.
* ``mlfootprint.integrations.keras.MlfootprintCallback(**track_kwargs)``: Keras 3 (any backend).

``track_kwargs`` are those of ``mlfootprint.track`` (``project``, ``name``, ``region``, ``pue``,
``tags``, ``db``, ``job``, ...). The shared logic is ``mlfootprint.integrations._hooks.TrackingHooks``.
"""
