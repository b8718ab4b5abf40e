"""Placeholder."""
import streamlit as st

st.title("glossary")
st.info("This page is being built.")
