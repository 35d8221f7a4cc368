"""Extension of the moto server that emulates AWS Organizations centralized root access.

serve.py beside this package builds the WSGI application from these modules:
scenario loading, caller resolution, sts:AssumeRoot, the root user of each account,
task-policy enforcement, the IAM organization features, Organizations overrides,
S3 and SQS routing, fault injection and the control routes.
"""
