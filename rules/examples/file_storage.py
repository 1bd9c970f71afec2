"""Annotated examples for the `file-storage` category (see auth.py for the annotations)."""

import mimetypes

import boto3

s3 = boto3.client("s3")


# category: file-storage
def upload_attachment(bucket, key, path):
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    s3.upload_file(path, bucket, key, ExtraArgs={"ContentType": content_type})
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600)
