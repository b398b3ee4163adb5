import { apigatewayMethodAuthorized } from "./apigatewayMethodAuthorized";
import { apigatewayv2RouteAuthorized } from "./apigatewayv2RouteAuthorized";
import { lambdaFunctionUrlAuth } from "./lambdaFunctionUrlAuth";

export const rules = [apigatewayMethodAuthorized, apigatewayv2RouteAuthorized, lambdaFunctionUrlAuth];
