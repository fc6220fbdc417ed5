"""The web UI's pieces (app.py lays them out and wires them).

Rendering, pure functions over ``qa`` types, no Gradio: ``chat`` (messages, retrieval details),
``cards`` (evidence cards, views of hits), ``reader`` (the whole document), ``library`` (the
documents table), ``markdown`` (safe markdown), ``guard`` (the HTTP guard). Request handling, one
concern each: ``handlers`` (the chat stream, stop, /search, /ask), ``upload`` (the library panel),
``routes`` (the reader route), ``warmup`` (the engine's warm-up at start). Styles and the page
script are static files in ``qa/web/static/``.
"""
