"""Training-framework callbacks (each framework imported only when its callback is made).

* ``mlfootprint.integrations.lightning.lightning_callback(**track_kwargs)``: PyTorch Lightning.
* ``mlfootprint.integrations.transformers.transformers_callback(**track_kwargs)``: Hugging Face Trainer.

``track_kwargs`` are those of ``mlfootprint.tracking.tracker.Tracker`` (``project``, ``name``,
``region``, ``pue``, ``tags``, ``db``, ...).
"""
