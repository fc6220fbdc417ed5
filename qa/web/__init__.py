"""Rendering for the web UI (app.py): chat messages, evidence cards, the document reader, the
document library, safe markdown, and the HTTP guard. Pure functions over ``qa`` types, no Gradio.

Styles and the page script are static files in ``qa/web/static/``.
"""
