"""The selection assistant: ``lora-lint inspect`` and ``lora-lint suggest``.

It turns the seed guide's by-hand process (list the linear layers, find the name patterns, pick
attention and MLP layers by task and GPU memory, count the trainable parameters, check that the
names exist) into commands that work for any architecture the linter can build on the meta device.
"""
