"""Customer Pulse core: pure polars analytics under the app and the command line.

No streamlit import anywhere in this package.
"""
