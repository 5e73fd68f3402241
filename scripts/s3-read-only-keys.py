"""Users and keys on the test S3 server that checks them (scripts/s3-test-server.sh
start-auth): a bucket, a writer (the robot machines' keys) and a reader that may only read
objects (the desktops' keys). Prints shell exports; the keys are throw-away, made here.
"""
import json
import sys

import boto3

endpoint = sys.argv[1]
common = dict(endpoint_url=endpoint, region_name="us-east-1",
              aws_access_key_id="sem-autenticacao", aws_secret_access_key="sem-autenticacao")
s3 = boto3.client("s3", **common)
iam = boto3.client("iam", **common)
bucket = "faturas-leitura"
s3.create_bucket(Bucket=bucket)
keys = {}
for name, actions in (("gravacao", ["s3:*"]), ("leitura", ["s3:GetObject", "s3:ListBucket"])):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=f"{name}-faturas", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions,
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}],
    }))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    keys[name] = (k["AccessKeyId"], k["SecretAccessKey"])
print(f"export BRM_S3_AUTH_ENDPOINT={endpoint} BRM_S3_AUTH_BUCKET={bucket}"
      f" BRM_S3_WRITER_KEY={keys['gravacao'][0]} BRM_S3_WRITER_SECRET={keys['gravacao'][1]}"
      f" BRM_S3_READER_KEY={keys['leitura'][0]} BRM_S3_READER_SECRET={keys['leitura'][1]}")
