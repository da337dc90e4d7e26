"""Scheduled report generation: rendering notebooks into HTML (papermill) and the schedule of jobs."""
