//! Response bodies in the wire formats of the services: AWS Query XML for STS and IAM, AWS JSON
//! 1.1 for Organizations.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// The XML namespace of STS responses.
pub(crate) const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The XML namespace of IAM responses.
pub(crate) const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// The request ID of every response; the fake never needs distinct ones.
const REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

/// A response before it becomes an [`HttpResponse`].
#[derive(Debug)]
pub(crate) struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Reply {
    /// Builds a successful AWS Query response: `<{action}Response>` around `<{action}Result>`. An empty
    /// `result` leaves out the result element, as IAM does for deletes.
    pub(crate) fn query(namespace: &str, action: &str, result: &str) -> Self {
        let mut body = String::with_capacity(result.len() + 256);
        body.push_str(&format!("<{action}Response xmlns=\"{namespace}\">"));
        if !result.is_empty() {
            body.push_str(&format!("<{action}Result>{result}</{action}Result>"));
        }
        body.push_str(&format!(
            "<ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata></{action}Response>"
        ));
        Self {
            status: 200,
            content_type: "text/xml",
            body,
        }
    }

    /// Builds an AWS Query error response.
    pub(crate) fn query_error(namespace: &str, status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            content_type: "text/xml",
            body: format!(
                "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{REQUEST_ID}</RequestId></ErrorResponse>"
            ),
        }
    }

    /// Builds a successful AWS JSON 1.1 response.
    pub(crate) fn json(body: String) -> Self {
        Self {
            status: 200,
            content_type: "application/x-amz-json-1.1",
            body,
        }
    }

    /// Builds an AWS JSON 1.1 error response.
    pub(crate) fn json_error(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            content_type: "application/x-amz-json-1.1",
            body: format!("{{\"__type\":\"{code}\",\"Message\":\"{message}\"}}"),
        }
    }

    /// Returns the HTTP status code.
    #[cfg(test)]
    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    /// Converts to the SDK's response type.
    pub(crate) fn into_http(self) -> HttpResponse {
        let status = StatusCode::try_from(self.status)
            .unwrap_or_else(|_| StatusCode::try_from(500).expect("500 is a valid status code"));
        let mut response = HttpResponse::new(status, SdkBody::from(self.body));
        response
            .headers_mut()
            .insert("content-type", self.content_type);
        response
            .headers_mut()
            .insert("x-amzn-requestid", REQUEST_ID);
        response
    }
}
