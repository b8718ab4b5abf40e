"""Placeholder."""
import streamlit as st

st.title("customers")
st.info("This page is being built.")
