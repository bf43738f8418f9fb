# The host image for docker-compose: builds the settle CLI and runs `settle serve`.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Settlement.Cli/Settlement.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
EXPOSE 8080
ENTRYPOINT ["dotnet", "settle.dll"]
CMD ["serve", "--urls", "http://0.0.0.0:8080"]
