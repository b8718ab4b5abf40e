"""Placeholder."""
import streamlit as st

st.title("insights")
st.info("This page is being built.")
