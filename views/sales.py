"""Placeholder."""
import streamlit as st

st.title("sales")
st.info("This page is being built.")
