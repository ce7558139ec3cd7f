"""The Streamlit side of the app, shared by the pages in app_pages/ (the ``interview`` package never imports it).

- ``ui.shell``: settings, the service, speech and the sidebar, made once and shared;
- ``ui.session``: the interview this tab shows, restored from the URL, reloaded after a conflicting save;
- ``ui.coding``: the coding panel (problem, editor, Run and Submit).
"""
