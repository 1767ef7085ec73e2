"""The interactive chapter: a local web app whose every number is computed by the library on request.

``elman chapter`` serves it. The server owns the math (each step is one module in ``elman.chapter.steps``: its
text and its endpoints, which call the library); the page in ``static/`` owns only the drawing.
"""
