"""Tasks built on elman's models and the generic supervised loop (``elman.train.supervised``)."""
